import { createHash } from 'node:crypto';

/** A stable number in [0, 1) for a key (the demo's seeded "is this answer right" draw). */
export const hashUnit = (key: string): number => createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;

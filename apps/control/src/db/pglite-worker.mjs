// Entry of the PGlite worker thread. Node does not hand its parent's TypeScript loader to a
// worker thread, so this plain-JS file registers tsx (a dependency of every way control runs:
// `pnpm start`, `pnpm bench`, vitest) for this thread and loads the worker's TypeScript source.
import { tsImport } from 'tsx/esm/api';

await tsImport('./pglite-worker.ts', import.meta.url);

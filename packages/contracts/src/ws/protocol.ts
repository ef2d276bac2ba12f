import { z } from 'zod';
import { ErrorCodeSchema } from '../errors';

/** Bumped on any incompatible change to the frames below. */
export const PROTOCOL_VERSION = 1;
/** Frames larger than this are refused with FRAME_TOO_LARGE (clients only send tiny frames). */
export const MAX_CLIENT_FRAME_BYTES = 16 * 1024;

/**
 * Topics: `fleet`, `jobs`, `activity`, `bench`, `alerts`, `evals`, `host:<id>`, `logs:<hostId>:<source>`. The grammar is
 * checked here; whether a topic exists is the hub's business (UNKNOWN_TOPIC).
 */
export const TopicSchema = z
  .string()
  .max(200)
  .regex(/^(fleet|jobs|activity|bench|alerts|evals|host:[a-z0-9_-]+|logs:[a-z0-9_-]+:[A-Za-z0-9._:/-]+)$/, 'unknown topic grammar');
export type Topic = z.infer<typeof TopicSchema>;

/**
 * `token`: a browser cannot set headers on a WebSocket, so with CONTROL_AUTH=token it sends its
 * API token here, in the first frame. Until a hello authenticates, nothing else is answered.
 */
export const HelloFrameSchema = z.object({ type: z.literal('hello'), protocol: z.number().int(), token: z.string().max(200).optional() });
export const SubscribeFrameSchema = z.object({ type: z.literal('subscribe'), topics: z.array(TopicSchema).min(1).max(64) });
export const UnsubscribeFrameSchema = z.object({ type: z.literal('unsubscribe'), topics: z.array(TopicSchema).min(1).max(64) });
export const PingFrameSchema = z.object({ type: z.literal('ping'), t: z.number().optional() });

export const ClientFrameSchema = z.discriminatedUnion('type', [
  HelloFrameSchema,
  SubscribeFrameSchema,
  UnsubscribeFrameSchema,
  PingFrameSchema,
]);
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

export const WelcomeFrameSchema = z.object({ type: z.literal('welcome'), protocol: z.number().int(), serverTime: z.string() });
export const SnapshotFrameSchema = z.object({ type: z.literal('snapshot'), topic: TopicSchema, seq: z.number().int().nonnegative(), data: z.unknown() });
export const EventFrameSchema = z.object({ type: z.literal('event'), topic: TopicSchema, seq: z.number().int().positive(), data: z.unknown() });
export const ErrorFrameSchema = z.object({ type: z.literal('error'), code: ErrorCodeSchema, message: z.string(), topic: TopicSchema.optional() });
export const PongFrameSchema = z.object({ type: z.literal('pong'), t: z.number().optional(), serverTime: z.string() });

export const ServerFrameSchema = z.discriminatedUnion('type', [
  WelcomeFrameSchema,
  SnapshotFrameSchema,
  EventFrameSchema,
  ErrorFrameSchema,
  PongFrameSchema,
]);
export type ServerFrame = z.infer<typeof ServerFrameSchema>;
export type SnapshotFrame = z.infer<typeof SnapshotFrameSchema>;
export type EventFrame = z.infer<typeof EventFrameSchema>;

/** The WS close code and reasons the gateway and control use. */
export const WS_CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  CONTROL_UNAVAILABLE: 1013,
  /** No (valid) credentials on the upgrade or in the hello frame; a client asks for a token. */
  UNAUTHORIZED: 4401,
  /** The token was revoked or expired while the stream was open. */
  TOKEN_ENDED: 4403,
} as const;

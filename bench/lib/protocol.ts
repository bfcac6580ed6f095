/** Messages between the harness (parent) and its forked children. */
export type ParentMessage = { type: 'request'; id: number; name: string; payload: unknown } | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready'; value: unknown }
  | { type: 'response'; id: number; ok: true; value: unknown }
  | { type: 'response'; id: number; ok: false; error: string };

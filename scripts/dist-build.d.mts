/** Types of dist-build.mjs, which stays JavaScript because it runs before anything is compiled. */

/** `code`: the server and the workers (tsc → dist/src, dist/jobs); `client`: the web app (Vite → dist/client). */
export type DistPart = 'code' | 'client';

export interface BuildPlace {
  /** The checkout to build in (default: this one). */
  root?: string;
  /** The environment the build sees; VITE_* variables are compiled into the web app. */
  env?: NodeJS.ProcessEnv;
}

export const ROOT: string;
export function staleness(part: DistPart, place?: BuildPlace): string | undefined;
export function build(part: DistPart, place?: BuildPlace): Promise<void>;
export function buildIfStale(parts: DistPart[], options?: BuildPlace & { say?: (line: string) => void }): Promise<void>;
/**
 * Runs `work` holding dist/'s build lock, waiting while another process or another caller in this
 * one holds it (saying so once through `say`); a lock left by a process that has died, or by an
 * earlier process with this one's pid, is taken over.
 */
export function withBuildLock<T>(work: () => Promise<T>, options?: { root?: string; say?: (line: string) => void }): Promise<T>;

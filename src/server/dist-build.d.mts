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
/** Runs `work` holding dist/'s build lock, waiting while another process holds it (saying so once through `say`). */
export function withBuildLock<T>(work: () => Promise<T>, options?: { root?: string; say?: (line: string) => void }): Promise<T>;

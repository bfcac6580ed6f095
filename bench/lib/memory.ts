import { readFileSync } from 'node:fs';

const MB = 1024 * 1024;

/** Resident memory of any process, from /proc (the parent reads it without disturbing the child). */
export function rssBytesOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/**
 * Samples a process's RSS every few milliseconds until stopped and keeps the peak: a streamed
 * upload's memory is a peak in the middle, gone by the time the request ends.
 */
export function samplePeakRss(pid: number, everyMs = 10): { stop(): number } {
  let peak = rssBytesOf(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytesOf(pid));
    } catch {
      // The process ended between two samples; the peak so far stands.
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

export const toMb = (bytes: number) => bytes / MB;

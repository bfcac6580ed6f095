import { useRemovals } from './RemovalsProvider.js';
import { useSessionFiles } from './useSessionFiles.js';

/**
 * How many files the session keeps, as every count of them shows it: refused files are notices, not
 * files, and a file waiting out its Undo is already gone from the list.
 */
export function useKeptFileCount(): number {
  const { files } = useSessionFiles();
  const { hidden } = useRemovals();
  return files.filter((file) => file.status !== 'failed' && !hidden.has(file.fileId)).length;
}

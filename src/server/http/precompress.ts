import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Text the browser fetches from the build; images other than SVG and fonts are compressed already. */
const COMPRESSIBLE = /\.(?:js|mjs|css|svg|json|txt|map|webmanifest)$/;
/** Below this a compressed copy saves less than its extra headers and lookup cost. */
const MIN_BYTES = 1024;

/**
 * Writes a Brotli (`.br`, best quality) and a gzip (`.gz`, best level) copy beside each text file
 * of a built web app (`names`, relative to `dir`; all of them by default), once, at build time:
 * sirv (client-app.ts) answers a browser that accepts either with the copy, so no request pays for
 * compression. A copy that would not be smaller is not written. Gives the files it compressed.
 */
export async function precompress(dir: string, names?: readonly string[]): Promise<string[]> {
  const all = names ?? (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
  const files = all.filter((name) => COMPRESSIBLE.test(name)).map((name) => path.join(dir, name));
  const done = await Promise.all(
    files.map(async (file) => {
      const bytes = await readFile(file);
      if (bytes.length < MIN_BYTES) return [];
      const [br, gz] = await Promise.all([
        brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
        gzipAsync(bytes, { level: constants.Z_BEST_COMPRESSION }),
      ]);
      if (br.length < bytes.length) await writeFile(`${file}.br`, br);
      if (gz.length < bytes.length) await writeFile(`${file}.gz`, gz);
      return [path.relative(dir, file)];
    }),
  );
  return done.flat();
}

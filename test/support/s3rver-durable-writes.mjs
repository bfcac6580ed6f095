/*
 * Preloaded into the s3rver child (see s3rver.ts). s3rver 3.7 answers a PUT, and an upload part,
 * once the body has passed its md5 transform, before the file it goes to is closed (a Buffer body
 * before a byte is written): a GET right after can read a short or empty object, which under load
 * showed as an audit manifest that "is not JSON". These are s3rver's own two methods, answering once
 * the file is closed, so the double is as consistent as S3 (read-after-write).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import fs from 'fs-extra';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';

/** Writes `content` (a Buffer or a stream) to `file`; resolves with its size and md5 once the file is closed. */
function writeClosed(content, file) {
  return new Promise((resolve, reject) => {
    const md5 = crypto.createHash('md5');
    let size = 0;
    const out = fs.createWriteStream(file);
    out.on('error', reject).on('close', () => { resolve([size, md5.digest('hex')]); });
    if (Buffer.isBuffer(content)) {
      md5.update(content);
      size = content.length;
      out.end(content);
      return;
    }
    content.on('error', (error) => { out.destroy(); reject(error); });
    content.on('data', (chunk) => { md5.update(chunk); size += chunk.length; });
    content.pipe(out);
  });
}

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.mkdirp(path.dirname(objectPath));
  const [size, md5] = await writeClosed(object.content, objectPath);
  await this.putMetadata(object.bucket, object.key, object.metadata, md5);
  return { size, md5 };
};

FilesystemStore.prototype.putPart = async function putPart(bucket, uploadId, partNumber, content) {
  const partPath = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, partNumber.toString());
  await fs.mkdirp(path.dirname(partPath));
  const [size, md5] = await writeClosed(content, partPath);
  await fs.writeFile(`${partPath}.md5`, md5);
  return { size, md5 };
};

import { DLError } from '@dl/tensor';

/**
 * A dataset's files are missing and could not be downloaded. The message says which files
 * to put where (and where they can be fetched from).
 *
 * @example
 * try { new datasets.MNIST({ root: '/no/such/dir' }); }
 * catch (e) { if (e instanceof datasets.DatasetNotFoundError) console.log(e.message); } // says which files to put where
 */
export class DatasetNotFoundError extends DLError {
  static {
    Object.defineProperty(this, 'name', { value: 'DatasetNotFoundError' }); // the name in messages and reprs, minified or not
  }
}
/**
 * A dataset file exists but is truncated, corrupt or of the wrong format. Nothing was written.
 *
 * @example
 * try { new datasets.MNIST({ root: './data' }); }
 * catch (e) { if (e instanceof datasets.CorruptDatasetError) console.log(e.message); } // names the file and what is wrong
 */
export class CorruptDatasetError extends DLError {
  static {
    Object.defineProperty(this, 'name', { value: 'CorruptDatasetError' }); // the name in messages and reprs, minified or not
  }
}
/**
 * A download failed (offline, HTTP error, timeout or checksum mismatch). No partial file is left.
 *
 * @example
 * try { await datasets.downloadFile('https://example.com/x.gz', './data/x.gz', { md5: '0123…' }); }
 * catch (e) { if (e instanceof datasets.DownloadError) console.log('offline?', e.message); }
 */
export class DownloadError extends DLError {
  static {
    Object.defineProperty(this, 'name', { value: 'DownloadError' }); // the name in messages and reprs, minified or not
  }
}
/**
 * A file declares, or decompresses to, more than a reader's cap allows (a huge image, a
 * decompression bomb, an oversized archive). The message names the file, the sizes and the
 * cap; the hint says how to raise it (`datasets.setReaderLimits` or a dataset's `limits`).
 *
 * @example
 * try { datasets.decodeImage(fs.readFileSync('big.png'), 'big.png', { maxImagePixels: 1024 }); }
 * catch (e) { if (e instanceof datasets.LimitExceededError) console.log(e.hint); } // how to raise the cap
 */
export class LimitExceededError extends DLError {
  static {
    Object.defineProperty(this, 'name', { value: 'LimitExceededError' }); // the name in messages and reprs, minified or not
  }
}
/**
 * An archive entry is unsafe to extract: an absolute path, a `..` component, a path that
 * resolves outside the destination folder, a symlink, hard link or device. Nothing was written.
 *
 * @example
 * try { datasets.untar(fs.readFileSync('evil.tar'), './out'); }
 * catch (e) { if (e instanceof datasets.UnsafeArchiveError) console.log(e.message); } // entry "../evil.txt" … has a '..' component
 */
export class UnsafeArchiveError extends CorruptDatasetError {
  static {
    Object.defineProperty(this, 'name', { value: 'UnsafeArchiveError' }); // the name in messages and reprs, minified or not
  }
}

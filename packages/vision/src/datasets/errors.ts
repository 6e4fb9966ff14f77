import { DLError } from '@dl/tensor';

/**
 * A dataset's files are missing and could not be downloaded. The message says which files
 * to put where (and where they can be fetched from).
 */
export class DatasetNotFoundError extends DLError {
  static {
    Object.defineProperty(this, 'name', { value: 'DatasetNotFoundError' }); // the name in messages and reprs, minified or not
  }
}
/** A dataset file exists but is truncated, corrupt or of the wrong format. Nothing was written. */
export class CorruptDatasetError extends DLError {
  static {
    Object.defineProperty(this, 'name', { value: 'CorruptDatasetError' }); // the name in messages and reprs, minified or not
  }
}
/** A download failed (offline, HTTP error, timeout or checksum mismatch). No partial file is left. */
export class DownloadError extends DLError {
  static {
    Object.defineProperty(this, 'name', { value: 'DownloadError' }); // the name in messages and reprs, minified or not
  }
}
/**
 * A file declares, or decompresses to, more than a reader's cap allows (a huge image, a
 * decompression bomb, an oversized archive). The message names the file, the sizes and the
 * cap; the hint says how to raise it (`datasets.setReaderLimits` or a dataset's `limits`).
 */
export class LimitExceededError extends DLError {
  static {
    Object.defineProperty(this, 'name', { value: 'LimitExceededError' }); // the name in messages and reprs, minified or not
  }
}
/**
 * An archive entry is unsafe to extract: an absolute path, a `..` component, a path that
 * resolves outside the destination folder, a symlink, hard link or device. Nothing was written.
 */
export class UnsafeArchiveError extends CorruptDatasetError {
  static {
    Object.defineProperty(this, 'name', { value: 'UnsafeArchiveError' }); // the name in messages and reprs, minified or not
  }
}

import { DLError } from '@dl/tensor';

/**
 * A dataset's files are missing and could not be downloaded. The message says which files
 * to put where (and where they can be fetched from).
 */
export class DatasetNotFoundError extends DLError {}
/** A dataset file exists but is truncated, corrupt or of the wrong format. Nothing was written. */
export class CorruptDatasetError extends DLError {}
/** A download failed (offline, HTTP error, timeout or checksum mismatch). No partial file is left. */
export class DownloadError extends DLError {}

export { BufferSource } from './buffer-source';
export type { BufferSourceOptions } from './buffer-source';
export { FilePathSource } from './file-path-source';
export type { FilePathSourceOptions } from './file-path-source';
export { StreamSource } from './stream-source';
export type { StreamSourceInput, StreamSourceOptions } from './stream-source';
export { UrlSource } from './url-source';
export type { UrlSourceOptions } from './url-source';
export { redactUrl } from './redact-url';

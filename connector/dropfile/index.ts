/** MIM drop files (mmsml) and csexport output: write, read, replay. */
export {
  encodeAnchor,
  formatInteger,
  MMSML_NAMESPACE,
  MmsmlError,
  parseInteger,
  type StepType,
  splitAnchor,
} from './codec.js';
export {
  type CsExportObject,
  type CsExportReadOptions,
  readCsExport,
  readCsExportObjects,
} from './csexport.js';
export type { DeltaReadOptions } from './delta.js';
export { MmsmlReader, type MmsmlReadOptions, readMmsml, readMmsmlFile } from './reader.js';
export type { Source } from './stream.js';
export { MmsmlWriter, type MmsmlWriterOptions, type MmsmlWriterStats } from './writer.js';

import { formatDateTime } from '../config/parse.js';
import type { DateFormatter } from './convert.js';

/** DateTimeOffset → string with the configured format (in UTC). */
export function dateFormatter(format: string): DateFormatter {
  return (iso) => formatDateTime(iso, format);
}

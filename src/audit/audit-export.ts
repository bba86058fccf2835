import { IsIn, IsOptional } from 'class-validator';
import { RecordedEvent } from '../platform/event-store/event-store';
import { toAuditItem } from './audit-events';
import { AuditEventsQuery } from './audit-filter';

export class ExportQuery extends AuditEventsQuery {
  @IsOptional()
  @IsIn(['ndjson', 'csv'])
  format?: 'ndjson' | 'csv';
}

const CSV_COLUMNS = [
  'position',
  'stream',
  'revision',
  'type',
  'time',
  'actorKind',
  'actorId',
  'correlationId',
  'companyId',
  'hash',
  'data',
];

/** One line per event, produced as the events are read. */
export async function* exportLines(events: AsyncIterable<RecordedEvent>, csv: boolean): AsyncGenerator<string> {
  if (csv) yield `${CSV_COLUMNS.join(',')}\n`;
  for await (const event of events) {
    const item = toAuditItem(event);
    if (!csv) {
      yield `${JSON.stringify(item)}\n`;
      continue;
    }
    const row = [
      item.position,
      item.stream,
      item.revision,
      item.type,
      item.time,
      item.actor?.kind,
      item.actor?.id,
      item.correlationId,
      item.companyId ?? '',
      item.hash ?? '',
      JSON.stringify(item.data),
    ];
    yield `${row.map(csvField).join(',')}\n`;
  }
}

/** RFC 4180: quote fields holding a comma, quote or line break; double the quotes. Formula-leading cells are defused. */
function csvField(value: string | number | undefined): string {
  let text = value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

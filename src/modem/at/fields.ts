/** The parameters of an information line or URC: `+CMGL: 1,"REC READ","+44...",,"24/01/15,10:30:00+00"`. */
export interface Field {
  /** Without the quotes. */
  value: string;
  /** Quoted strings (<oa>, <lac>) and bare numbers (<stat>) are told apart by this. */
  quoted: boolean;
}

/**
 * Splits on the commas outside double quotes (a <scts> holds a comma inside its quotes). Never
 * throws: an unterminated quote runs to the end of the line.
 */
export function splitFields(text: string): Field[] {
  const fields: Field[] = [];
  let current = '';
  let inQuotes = false;
  for (const ch of text) {
    if (ch === '"') inQuotes = !inQuotes;
    if (ch === ',' && !inQuotes) {
      fields.push(toField(current));
      current = '';
    } else {
      current += ch;
    }
  }
  fields.push(toField(current));
  return fields;
}

function toField(raw: string): Field {
  const text = raw.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) return { value: text.slice(1, -1), quoted: true };
  return { value: text, quoted: false };
}

/** The fields after `prefix` (e.g. '+CSQ:'), or null when the line does not start with it. */
export function fieldsAfter(line: string, prefix: string): Field[] | null {
  const text = line.trim();
  if (!text.toUpperCase().startsWith(prefix.toUpperCase())) return null;
  return splitFields(text.slice(prefix.length));
}

/** A bare non-negative decimal, or null. */
export function integer(field: Field | undefined): number | null {
  if (!field || field.quoted || !/^\d{1,9}$/.test(field.value)) return null;
  return Number(field.value);
}

/** An optional string field: empty means absent. */
export function optional(field: Field | undefined): string | null {
  return field === undefined || field.value === '' ? null : field.value;
}

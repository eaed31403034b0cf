/** A provider's text frame as a JSON object; undefined when it is not JSON or not an object. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  return raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : undefined;
}

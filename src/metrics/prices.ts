/**
 * What a call costs: a price table applied to the usage a session reports. The embedded offline
 * stack costs nothing, so every default is 0; hosted engines get their prices from `PARLEY_PRICES`.
 */
import { z } from 'zod';

export const priceTableSchema = z
  .object({
    /** Speech-to-text, per minute of caller audio recognized. Default 0. */
    sttUsdPerMinute: z.number().nonnegative().finite().default(0),
    /** Brain input (prompt) tokens, per million. Default 0. */
    inputUsdPerMillionTokens: z.number().nonnegative().finite().default(0),
    /** Brain output (completion) tokens, per million. Default 0. */
    outputUsdPerMillionTokens: z.number().nonnegative().finite().default(0),
    /** Text-to-speech, per million characters synthesized. Default 0. */
    ttsUsdPerMillionChars: z.number().nonnegative().finite().default(0),
    /** Each executed tool call. Default 0. */
    toolCallUsd: z.number().nonnegative().finite().default(0),
  })
  .strict();

export type PriceTable = z.infer<typeof priceTableSchema>;

export const FREE_PRICES: PriceTable = priceTableSchema.parse({});

export class PriceTableError extends Error {
  override name = 'PriceTableError';
}

/** Parses a price table from JSON text (e.g. `PARLEY_PRICES`); unset or empty means all zero. */
export function parsePriceTable(json: string | undefined): PriceTable {
  if (json === undefined || json.trim() === '') return FREE_PRICES;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new PriceTableError(`PARLEY_PRICES is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = priceTableSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PriceTableError(
      `PARLEY_PRICES is invalid (${issues.join('; ')}). Known keys: ${Object.keys(FREE_PRICES).join(', ')}`,
    );
  }
  return parsed.data;
}

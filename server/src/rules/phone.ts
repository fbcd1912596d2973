/**
 * Phone numbers as one canonical string (E.164, `+902125550199`), so that one number written two
 * ways is one number. libphonenumber-js with its small ("min") metadata: it knows every region's
 * country code, trunk prefix and number lengths, which is what normalising needs; it does not
 * know which ranges are assigned (nor does any call matching care).
 */
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js/min';

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

/** True for a region code the library knows (ISO 3166-1 alpha-2, upper case). */
export const isPhoneRegion = (region: string): boolean => /^[A-Z]{2}$/.test(region) && isSupportedCountry(region);

/**
 * Parses `raw` (international `+...`, or national in `region`) into E.164, or says why not.
 * Without a region only international numbers are understood.
 */
export function normalizePhone(raw: string, region: string | null): PhoneResult {
  const digits = raw.replace(/\D/g, '');
  if (digits.length === 0) return { ok: false, reason: 'phone_number has no digits.' };
  const international = raw.trim().startsWith('+');
  if (!international && !region) {
    return { ok: false, reason: 'phone_number must start with + and the country code (this site has no default region).' };
  }
  const parsed = parsePhoneNumberFromString(raw, international ? undefined : { defaultCountry: region as CountryCode });
  if (!parsed) return { ok: false, reason: 'phone_number is not a phone number.' };
  if (!parsed.isValid()) {
    return { ok: false, reason: `phone_number is not a valid number${parsed.country ? ` for ${parsed.country}` : ''} (wrong length or prefix).` };
  }
  return { ok: true, e164: parsed.number };
}

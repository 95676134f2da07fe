/**
 * A PII class proposed from a column's name alone, for a form to pre-fill and its user to
 * confirm: a name says nothing certain about what a column holds (`name` may be a product's,
 * `address` a server's), so this is a starting point, never a classification governance
 * relies on. The rules, first match wins, on the words the name ends with (`CustomerEmail`,
 * `customer_email`: email; `email_verified` is a flag, not an address):
 *
 * - sensitive: government and financial identifiers, secrets, health, beliefs (ssn,
 *   passport, tax id, iban, card number, password, diagnosis, religion, ethnicity…)
 * - direct: identifies a person by itself (e-mail, phone, a person's name, street address)
 * - indirect: identifies a person with other data (birth date, age, gender, postal code,
 *   IP address, device id, geolocation)
 * - none otherwise; a bare `name` is not guessed (a product's, a city's as often as a person's).
 */
import type { PiiClass } from '../descriptor/data-product-schema.js';

export interface PiiProposal {
  readonly pii: PiiClass;
  /** Which rule matched, for the user to judge the proposal; absent for none. */
  readonly reason?: string;
}

interface Rule {
  readonly pii: Exclude<PiiClass, 'none'>;
  readonly reason: string;
  /** The words the name ends with (its head noun: `customer_email`, not `email_verified`), as regex alternatives. */
  readonly endings: readonly string[];
}

const RULES: readonly Rule[] = [
  {
    pii: 'sensitive',
    reason: 'a government or tax identifier',
    endings: ['ssn', 'social_security(_number)?', 'national_id', 'passport(_no|_number)?', 'tax_(id|number)', 'nino'],
  },
  {
    pii: 'sensitive',
    reason: 'a financial account or card number',
    endings: ['iban', 'account_number', 'card_number', 'credit_card', 'cc_number', 'cvv', 'cvc'],
  },
  { pii: 'sensitive', reason: 'a secret', endings: ['(password|passwd|pwd|secret|api_key|pin)(_hash)?'] },
  {
    pii: 'sensitive',
    reason: 'health, beliefs or origin',
    endings: ['health', 'diagnosis', 'medical', 'medication', 'disability', 'religion', 'ethnicity', 'race'],
  },
  { pii: 'direct', reason: 'an e-mail address', endings: ['e_?mail(_?address|_addr)?'] },
  { pii: 'direct', reason: 'a phone number', endings: ['(phone|telephone|mobile|cell|fax|msisdn)(_number|_no)?'] },
  {
    pii: 'direct',
    reason: "a person's name",
    endings: [
      '(first|last|given|family|middle|full|maiden|sur|nick)_?name',
      'forename',
      '(customer|contact|person|user|employee|patient|client|member)_name',
    ],
  },
  // Before the street address: an IP or MAC address is not where someone lives.
  { pii: 'indirect', reason: 'an IP address', endings: ['ip', 'ip_?addr(ess)?', 'ipv[46]'] },
  {
    pii: 'indirect',
    reason: 'a device identifier',
    endings: ['device_id', 'imei', 'mac_address', 'idfa', 'cookie_id'],
  },
  { pii: 'direct', reason: 'a street address', endings: ['street(_name)?', 'address(_line)?(_?\\d)?'] },
  {
    pii: 'indirect',
    reason: 'a birth date or age',
    endings: ['birth_?date', 'date_of_birth', 'dob', 'birthday', 'age'],
  },
  { pii: 'indirect', reason: 'gender', endings: ['gender', 'sex'] },
  { pii: 'indirect', reason: 'a postal code', endings: ['zip(_?code)?', 'postal_code', 'postcode'] },
  { pii: 'indirect', reason: 'a geolocation', endings: ['lat', 'lng', 'lon', 'latitude', 'longitude', 'geolocation'] },
];

const MATCHERS = RULES.map((rule) => ({ rule, re: new RegExp(`(^|_)(${rule.endings.join('|')})$`) }));

/** The name's words, lower-cased and underscore-joined: `BillingAddress` → `billing_address`. */
export function nameWords(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

export function proposePii(columnName: string): PiiProposal {
  const words = nameWords(columnName);
  const match = MATCHERS.find((m) => m.re.test(words));
  return match ? { pii: match.rule.pii, reason: match.rule.reason } : { pii: 'none' };
}

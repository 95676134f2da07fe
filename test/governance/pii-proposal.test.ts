/** PII classes proposed from column names: the words a name ends with decide, first rule wins. */
import { describe, expect, it } from 'vitest';
import { proposePii } from '../../src/governance/pii-proposal.js';
import { proposeColumns } from '../../src/platform/propose-columns.js';

describe('PII proposed from a column name', () => {
  it.each([
    ['Email', 'direct'],
    ['customer_email', 'direct'],
    ['EmailAddress', 'direct'],
    ['Phone', 'direct'],
    ['mobile_number', 'direct'],
    ['FirstName', 'direct'],
    ['BillingAddress', 'direct'],
    ['address_line_2', 'direct'],
    ['BirthDate', 'indirect'],
    ['PostalCode', 'indirect'],
    ['client_ip', 'indirect'],
    ['ip_address', 'indirect'],
    ['SSN', 'sensitive'],
    ['iban', 'sensitive'],
    ['password_hash', 'sensitive'],
    // A flag about an address, a product's name, a word that merely contains one: none.
    ['email_verified', 'none'],
    ['name', 'none'],
    ['rename', 'none'],
    ['page', 'none'],
    ['amount', 'none'],
  ])('%s → %s', (name, pii) => {
    expect(proposePii(name).pii).toBe(pii);
  });

  it('makes names identifiers, unique, and says which to alias in the source dialect', () => {
    const proposal = proposeColumns(
      [
        { name: 'CustomerId', type: 'integer', nullable: false },
        { name: 'customer_id', type: 'integer' },
        { name: '2nd Phone', type: 'varchar' },
      ],
      'mysql',
    );
    expect(proposal.columns.map((c) => [c.name, c.pii])).toEqual([
      ['customer_id', 'none'],
      ['customer_id_2', 'none'],
      ['c_2nd_phone', 'direct'],
    ]);
    expect(proposal.notes[0]).toContain(
      '`CustomerId` AS customer_id, `customer_id` AS customer_id_2, `2nd Phone` AS c_2nd_phone',
    );
  });
});

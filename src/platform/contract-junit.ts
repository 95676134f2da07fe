/**
 * A contract test report as JUnit XML, the format CI systems read: one test case per check;
 * a failed error check is a failure, a skipped check is skipped, a failed warning passes with
 * the warning in its output, and a contract that could not be tested is one errored case.
 */
import { formatDiagnostic } from '../core/diagnostic.js';
import type { ContractCheck, ContractTestReport } from './contract-test.js';

const escape = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

function testCase(check: ContractCheck): string {
  const open = `    <testcase classname="${escape(check.kind)}" name="${escape(check.name)}" time="0"`;
  const message = escape(check.message);
  if (check.status === 'skip') return `${open}>\n      <skipped message="${message}"/>\n    </testcase>`;
  if (check.status === 'fail' && check.severity === 'error')
    return `${open}>\n      <failure message="${message}" type="${check.kind}">${message}</failure>\n    </testcase>`;
  if (check.status === 'fail') return `${open}>\n      <system-out>warning: ${message}</system-out>\n    </testcase>`;
  return `${open}/>`;
}

export function contractJUnit(report: ContractTestReport): string {
  const errors = report.diagnostics.filter((d) => d.severity === 'error');
  const cases = report.checks.map(testCase);
  if (errors.length) {
    const text = escape(errors.map(formatDiagnostic).join('\n'));
    const first = escape(errors[0].message);
    cases.push(
      `    <testcase classname="contract" name="contract" time="0">\n      <error message="${first}">${text}</error>\n    </testcase>`,
    );
  }
  const failures = report.checks.filter((c) => c.status === 'fail' && c.severity === 'error').length;
  const skipped = report.checks.filter((c) => c.status === 'skip').length;
  const seconds = (report.durationMs / 1000).toFixed(3);
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors.length ? 1 : 0}" skipped="${skipped}" time="${seconds}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mesh test" ${counts}>`,
    `  <testsuite name="${escape(report.contract)}" ${counts}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

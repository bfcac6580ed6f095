import axe from 'axe-core';

/**
 * axe-core's serious and critical findings on the document as rendered now, one line each. The
 * rules that need a real layout engine (colour contrast, target size, scrollable regions) are left
 * to the browser tests (test/e2e/phone-and-a11y.e2e.test.ts): happy-dom computes no layout.
 */
export async function seriousFindings(): Promise<string[]> {
  const { violations } = await axe.run(document, {
    resultTypes: ['violations'],
    rules: {
      'color-contrast': { enabled: false },
      'target-size': { enabled: false },
      'scrollable-region-focusable': { enabled: false },
    },
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact ?? ''}): ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** What axe-core found wrong, one line a finding: the rule, its impact, and where. */
export interface Finding {
  rule: string;
  impact: string;
  where: string[];
}

type AxeWindow = typeof window & { axe?: typeof axe };

/**
 * Runs axe-core on the page as it is now and gives its serious and critical findings (the ones
 * that stop someone from using the page). The engine is evaluated into the page through DevTools,
 * which the page's Content-Security-Policy (no inline script) does not govern.
 */
export async function seriousFindings(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate(() => (window as AxeWindow).axe !== undefined))) await page.evaluate(axe.source);
  const findings = await page.evaluate(async () => {
    const engine = (window as AxeWindow).axe;
    if (!engine) throw new Error('axe-core did not load');
    const { violations } = await engine.run(document, { resultTypes: ['violations'] });
    return violations.map((violation) => ({
      rule: violation.id,
      impact: violation.impact ?? 'unknown',
      where: violation.nodes.map((node) => `${node.target.join(' ')}: ${node.failureSummary ?? ''}`),
    }));
  });
  return findings.filter((finding) => finding.impact === 'serious' || finding.impact === 'critical');
}

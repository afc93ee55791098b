/**
 * Whether the page turns on its test hooks: the `window.__samix` view (testApi.ts, loaded on demand)
 * and fault injection in the worker. On under automation (Playwright sets `navigator.webdriver`) or
 * with `?debug` in the page address; off for an ordinary visit. Its own module, so deciding does not
 * pull the test API into the page bundle.
 */
/** Automation (Playwright sets `navigator.webdriver`) or `?debug` in the page address. */
export function testHooksWanted(search: string, webdriver: boolean): boolean {
  return webdriver || new URLSearchParams(search).has('debug');
}

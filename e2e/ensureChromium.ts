/**
 * e2e runs on Debian's Chromium (Playwright cannot download its own browser here). If it is missing,
 * install it when running as root, otherwise say exactly how.
 */
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  const cmd = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium';
  if (process.getuid?.() === 0) {
    console.log(`Chromium not found at ${CHROMIUM}; installing it: ${cmd}`);
    execSync(cmd, { stdio: 'inherit', shell: '/bin/bash' });
  } else {
    console.error(
      `Chromium not found at ${CHROMIUM}. Install it with:\n  sudo ${cmd.replace('&& ', '&& sudo ')}\nor set CHROMIUM_PATH to a Chromium binary.`,
    );
    process.exit(1);
  }
}

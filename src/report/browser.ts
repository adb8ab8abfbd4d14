/**
 * Headless Chromium for report.html: a screenshot (docs/report.png, and the test that the
 * page renders) and the page's console messages. The report has no scripts, so any console
 * message — an uncaught error, a resource that failed to load — is a defect.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TinypruneError } from '../errors.js';
import { which } from '../firmware/toolchain.js';
import { runCommand } from '../util/process.js';
import { makeTempDir } from '../util/tempdir.js';

/** The Chromium (or Chrome) on PATH, if any. */
export function findChromium(): string | undefined {
  return which('chromium') ?? which('chromium-browser') ?? which('google-chrome');
}

export interface ScreenshotRequest {
  html: string;
  png: string;
  width: number;
  height: number;
}

export interface ScreenshotResult {
  /** What the page logged: lines of `[…:CONSOLE…] "message", source: …` on Chromium's stderr. */
  console: string[];
}

/** Opens `html` in headless Chromium and saves a `width`×`height` screenshot of its top. */
export async function screenshotHtml(req: ScreenshotRequest): Promise<ScreenshotResult> {
  const chromium = findChromium();
  if (!chromium) {
    throw new TinypruneError('E_TOOL_MISSING', 'chromium not found', { where: `PATH=${process.env['PATH'] ?? ''}`, hint: 'install it: sudo apt-get install chromium (bash scripts/setup.sh does)' });
  }
  // Its own profile: two runs at once must not share (and lock) one.
  const profile = makeTempDir('tp-chromium-');
  try {
    const r = await runCommand(
      [
        chromium,
        '--headless',
        '--disable-gpu',
        '--no-sandbox',
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        '--no-first-run',
        `--user-data-dir=${profile.path}`,
        '--enable-logging=stderr',
        '--v=0',
        `--screenshot=${path.resolve(req.png)}`,
        `--window-size=${req.width},${req.height}`,
        pathToFileURL(path.resolve(req.html)).href,
      ],
      { timeoutMs: 120_000, timeoutHint: (partial) => partial.stderr.split('\n').slice(-5).join('\n') },
    );
    if (r.exitCode !== 0) {
      throw new TinypruneError('E_TOOL_FAILED', `chromium ${r.exitCode === undefined ? `was killed by ${r.signal ?? 'a signal'}` : `exited with ${r.exitCode}`}`, {
        where: req.html,
        hint: r.stderr.split('\n').slice(-5).join('\n'),
      });
    }
    return { console: r.stderr.split('\n').filter((l) => /:CONSOLE[:(\]]|Uncaught/.test(l)) };
  } finally {
    profile.remove();
  }
}

/** Firmware build and run: public entry points. */
export { buildFirmware, cpuFlags, platformSources, renderBoardFiles, type BuildOptions, type BuildResult, type FlashUse, type OptLevel, type RamUse, type SectionInfo } from './build.js';
export { buildHost, runHost, type HostBuildOptions, type HostBuildResult, type HostRunResult } from './host.js';
export { exceptionName, runQemu, type QemuOptions, type QemuResult } from './qemu.js';
export { ensureIcountPlugin } from './plugin.js';
export { findTool, hasTool, installHint, which, type ToolName } from './toolchain.js';
export { packageRoot, platformDir } from './paths.js';

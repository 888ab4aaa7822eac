// The ffmpeg binary for the demo job runner: the static one shipped in
// @ffmpeg-installer/ffmpeg (installs offline), else `ffmpeg` from PATH.
import { createRequire } from 'node:module';

export function ffmpegPath(): string {
  try {
    const installer = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as {
      path: string;
    };
    return installer.path;
  } catch {
    return 'ffmpeg';
  }
}

// Reads a video file back with ffprobe (Debian's ffmpeg package; CI installs it).
import { execFileSync } from 'node:child_process';

export interface VideoProbe {
  codec: string;
  pixelFormat: string;
  width: number;
  height: number;
  frames: number;
}

export function probeVideo(path: string): VideoProbe {
  let output: string;
  try {
    output = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-count_frames',
        '-show_entries',
        'stream=codec_name,pix_fmt,width,height,nb_read_frames',
        '-of',
        'json',
        path,
      ],
      { encoding: 'utf8' },
    );
  } catch (error) {
    throw new Error(
      `ffprobe failed (install Debian's ffmpeg package): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const stream = (JSON.parse(output) as { streams: Record<string, string | number>[] }).streams[0]!;
  return {
    codec: String(stream.codec_name),
    pixelFormat: String(stream.pix_fmt),
    width: Number(stream.width),
    height: Number(stream.height),
    frames: Number(stream.nb_read_frames),
  };
}

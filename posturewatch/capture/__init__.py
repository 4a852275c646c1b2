"""Where frames come from: cameras, video files and images, read ahead in a thread, and the
MediaPipe pose model that turns them into landmarks. Frames never leave memory here."""

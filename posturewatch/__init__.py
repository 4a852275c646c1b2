"""posturewatch: a private, light webcam posture and sitting-time monitor."""

__version__ = "0.1.0"

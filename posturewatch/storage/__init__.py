"""What lives on disk: platform folders, atomic writes, the config files, the saved
baseline, the guidance catalog and the pose-model files."""

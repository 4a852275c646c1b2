from posturewatch.cli import main

raise SystemExit(main())

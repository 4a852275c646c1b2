from posturewatch.entry_point import main

raise SystemExit(main())

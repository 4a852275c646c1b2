from posturewatch.cli.main import main

raise SystemExit(main())

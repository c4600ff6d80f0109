from nanobot.cli import main

raise SystemExit(main())

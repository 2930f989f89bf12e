from mspr.cli import main
import sys

sys.exit(main())

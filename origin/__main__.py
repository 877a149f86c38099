import sys

from origin.cli import main

sys.exit(main())

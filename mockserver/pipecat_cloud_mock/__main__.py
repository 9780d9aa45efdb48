import sys

from pipecat_cloud_mock.cli.main import main

sys.exit(main())

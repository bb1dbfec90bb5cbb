"""`python -m stockade` runs the command-line interface."""

from stockade.cli.main import main

if __name__ == "__main__":
    main()

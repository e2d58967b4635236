from datatwin.cli import main

main()

from lianxin.cli import main

main()

{
    'name': 'Xero Integration: demo mode',
    'version': '19.0.1.0.0',
    'summary': 'The decisions scripts/demo.sh takes for the accountant; never for production',
    'description': 'Installed only by scripts/demo.sh (and by the test command, for its test). '
                   'Once the demo set-up has switched demo mode on, Connect and Allow are enough: '
                   'each Xero organisation goes to the company of the same name, its suggested tax '
                   'mappings are confirmed, the main income account is mapped and auto-sync is on.',
    'category': 'Hidden',
    'author': 'Xero Integration maintainers',
    'license': 'LGPL-3',
    'depends': ['xero_integration'],
}

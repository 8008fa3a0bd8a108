"""Constants shared by the addon's Odoo code."""

# Xero's real hosts. Each is a system parameter, so tests and the demo can point at the simulator.
HOST_PARAMS = {
    'login_url': ('xero_integration.login_url', 'https://login.xero.com'),
    'identity_url': ('xero_integration.identity_url', 'https://identity.xero.com'),
    'api_url': ('xero_integration.api_url', 'https://api.xero.com'),
    # "Open in Xero" deep links (XERO_API.md §10 "Deep links").
    'go_url': ('xero_integration.go_url', 'https://go.xero.com'),
}

# The document path of Xero's web app per kind of record, for the deep links.
DEEP_LINK_PATHS = {
    'invoice': '/AccountsReceivable/View.aspx?InvoiceID=%s',
    'bill': '/AccountsPayable/View.aspx?InvoiceID=%s',
    'credit_note': '/AccountsReceivable/ViewCreditNote.aspx?creditNoteID=%s',
    'contact': '/Contacts/View/%s',
    'bank_transaction': '/Bank/ViewTransaction.aspx?bankTransactionID=%s',
    'batch_payment': '/Bank/ViewBatchPayment.aspx?batchPaymentID=%s',
    'bank_account': '/Bank/BankTransactions.aspx?accountID=%s',
}

# Granular scopes: apps created on or after 2 March 2026 cannot ask for accounting.transactions.
DEFAULT_SCOPES = ('openid profile email offline_access accounting.settings accounting.contacts '
                  'accounting.invoices accounting.payments accounting.banktransactions')

CONNECT_ROUTE = '/admin/xero_integration/connect'

# Refresh this long before Xero's 30-minute access token runs out, so no call carries a token
# that expires in flight.
TOKEN_REFRESH_MARGIN_SECONDS = 120

OAUTH_STATE_LIFETIME_MINUTES = 10

/**
 * The main paths as an accountant clicks them. Run by tests/test_tours.py with
 * HttpCase.start_tour in headless Chromium; the Python test does what a tour cannot wait for
 * (the push cron) between tours, and answers Xero's consent page (another site, where no tour
 * runs) by clicking its "Allow access" button.
 */
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

tours.add("xero_connect", {
    steps: () => [
        {
            content: "Open the Invoicing settings",
            trigger: ".settings_tab .tab[data-key='account']",
            run: "click",
        },
        {
            content: "The Redirect URL to register is shown in full",
            trigger: "[name='xero_redirect_url']:contains('/admin/xero_integration/connect')",
        },
        {
            content: "Connect: off to Xero's consent page, where the test presses Allow access",
            trigger: "button[name='action_xero_connect']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back in Odoo: a notification says what was connected and what comes next",
            trigger: ".o_notification:contains('connected to Xero'):contains('Demo Company (NZ)')",
        },
        {
            content: "The organisations list says Connected",
            trigger: ".o_list_renderer .o_data_row:contains('Demo Company (NZ)') .badge:contains('Connected')",
        },
        {
            trigger: ".o_list_renderer .o_data_row:contains('Demo Company (AU)') .badge:contains('Connected')",
        },
    ],
});

tours.add("xero_map_tax", {
    steps: () => [
        {
            content: "Open the Taxes tab of the organisation",
            trigger: ".o_notebook .nav-link:contains('Taxes')",
            run: "click",
        },
        {
            content: "Confirm the suggested Xero rate of the sales tax",
            trigger: ".o_field_widget[name='tax_mapping_ids'] .o_data_row:contains('15% GST on Income') button[name='action_confirm']",
            run: "click",
        },
        {
            content: "It is confirmed",
            trigger: ".o_field_widget[name='tax_mapping_ids'] .o_data_row:contains('15% GST on Income') .badge:contains('Confirmed')",
        },
        {
            content: "The chatter keeps the trail",
            trigger: ".o-mail-Message:contains('Mapping changed'):contains('(confirmed)')",
        },
    ],
});

tours.add("xero_invoice_post", {
    steps: () => [
        {
            content: "Confirm the invoice",
            trigger: ".o_statusbar_buttons button[name='action_post']",
            run: "click",
        },
        {
            content: "Posted: it waits in the queue for Xero",
            trigger: ".o_field_widget[name='xero_state']:contains('To sync')",
        },
        {
            content: "Sync now: queued, the cron sends it",
            trigger: ".o_statusbar_buttons button[name='action_xero_sync']",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('1 document queued for Xero')",
        },
    ],
});

tours.add("xero_invoice_synced_pay", {
    steps: () => [
        {
            content: "The push cron ran: the invoice is in Xero",
            trigger: ".o_field_widget[name='xero_state']:contains('Synced')",
        },
        {
            content: "Its Xero tab shows the number Xero holds it under",
            trigger: ".o_notebook .nav-link:contains('Xero')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='xero_link_ids'] .o_data_row:contains('Synced'):contains('INV/')",
        },
        {
            content: "Register a payment",
            trigger: ".o_statusbar_buttons button[name='action_register_payment']",
            run: "click",
        },
        {
            trigger: ".modal button[name='action_create_payments']",
            run: "click",
        },
        {
            content: "Paid in Odoo; the payment waits for the push",
            trigger: ".o_form_view .ribbon:contains('Paid'), .o_form_view .ribbon:contains('In Payment')",
        },
    ],
});

tours.add("xero_sync_log_retry", {
    steps: () => [
        {
            content: "The sync log has a line for the run, with its failure",
            trigger: ".o_list_renderer .o_data_row:contains('Demo Company (NZ)'):contains('Invoices')",
        },
        {
            content: "Open the errors",
            trigger: ".o_menu_sections [data-menu-xmlid='xero_integration.menu_xero_errors']",
            run: "click",
        },
        {
            trigger: ".o_list_renderer .o_group_header:contains('Demo Company (NZ)')",
            run: "click",
        },
        {
            trigger: ".o_list_renderer .o_group_header:contains('Invoices and credit notes')",
            run: "click",
        },
        {
            content: "Xero's message is there; retry the document",
            trigger: ".o_list_renderer .o_data_row:contains('lock') button[name='action_retry']",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('Queued again for Xero')",
        },
    ],
});

tours.add("xero_verify_card_transaction", {
    steps: () => [
        {
            content: "The card line waits for verification",
            trigger: ".o_list_renderer .o_data_row:contains('TOUR COFFEE') .badge:contains('Pending verification')",
        },
        {
            content: "Select it",
            trigger: ".o_list_renderer .o_data_row:contains('TOUR COFFEE') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the actions",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .o-dropdown-item:contains('Verify')",
            run: "click",
        },
        {
            content: "Verified and queued, nothing waits on Xero",
            trigger: ".o_notification:contains('1 transaction verified and queued for Xero')",
        },
    ],
});

tours.add("xero_dashboard", {
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Open the Xero app",
            trigger: ".o_app[data-menu-xmlid='xero_integration.menu_xero_root']",
            run: "click",
        },
        {
            content: "The dashboard has the organisation's card, with its document in error",
            trigger: ".o_kanban_record:contains('Demo Company (NZ)') .o_xero_count_errors:contains('1')",
            run: "click",
        },
        {
            content: "The count opens the record behind it, still in the Xero app",
            trigger: ".o_list_renderer .o_data_row:contains('lock')",
        },
        {
            trigger: ".o_menu_brand:contains('Xero')",
        },
    ],
});

odoo.define('whatsapp_headless.tours', function (require) {
"use strict";

/**
 * Browser tours run by tests/test_ui.py with the data it creates: a waiting
 * conversation with "Wayan Tour" (+6281111222333) whose last message is
 * "Halo, ada stok kopi Kintamani?".
 */
var tour = require('web_tour.tour');

var CUSTOMER = 'Wayan Tour';
var QUESTION = 'Halo, ada stok kopi Kintamani?';
var REPLY = 'Ada, kak. Mau berapa bungkus?';

function openWhatsappApp() {
    return [tour.STEPS.SHOW_APPS_MENU_ITEM, {
        content: "Open the WhatsApp app",
        trigger: '.o_app[data-menu-xmlid="whatsapp_headless.menu_whatsapp_root"]',
    }];
}

// An agent finds the waiting customer in the inbox, reads the thread and
// answers with Enter; the answer shows up queued in the thread at once.
tour.register('whatsapp_headless_agent_reply', {
    test: true,
    url: '/web',
}, openWhatsappApp().concat([{
    content: "Open the inbox",
    trigger: '.o_menu_sections a[data-menu-xmlid="whatsapp_headless.menu_whatsapp_inbox"]',
}, {
    content: "Open the waiting conversation",
    trigger: '.o_kanban_record:contains("' + CUSTOMER + '"), .o_data_row:contains("' + CUSTOMER + '")',
}, {
    content: "The customer's message is in the thread, on the incoming side",
    trigger: '.o_whatsapp_thread .o_whatsapp_in .o_whatsapp_text:contains("' + QUESTION + '")',
    run: function () {},
}, {
    content: "Type the reply",
    trigger: '.o_whatsapp_thread .o_whatsapp_composer_input',
    run: 'text ' + REPLY,
}, {
    content: "Press Enter to send",
    trigger: '.o_whatsapp_thread .o_whatsapp_composer_input',
    run: function () {
        var input = document.querySelector('.o_whatsapp_thread .o_whatsapp_composer_input');
        input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true}));
    },
}, {
    content: "The reply is in the thread, outgoing and queued",
    trigger: '.o_whatsapp_thread .o_whatsapp_out[data-state="queued"] .o_whatsapp_text:contains("' + REPLY + '")',
    run: function () {},
}, {
    content: "The reply box is empty again, ready for the next message",
    trigger: '.o_whatsapp_thread .o_whatsapp_composer_input',
    run: function () {
        var value = document.querySelector('.o_whatsapp_thread .o_whatsapp_composer_input').value;
        if (value) {
            console.error('The reply box still holds: ' + value);
        }
    },
}]));

// A WhatsApp User opens a message the customer sent: it is read-only, there
// is no Edit button to overwrite what the customer wrote.
tour.register('whatsapp_headless_user_cannot_edit', {
    test: true,
    url: '/web',
}, openWhatsappApp().concat([{
    content: "Open the messages",
    trigger: '.o_menu_sections a[data-menu-xmlid="whatsapp_headless.menu_whatsapp_messages"]',
}, {
    content: "Open the customer's message",
    trigger: '.o_data_row:contains("' + QUESTION + '")',
}, {
    content: "The message is shown read-only, without an Edit button",
    trigger: '.o_form_view.o_form_readonly .o_field_widget[name="message"]:contains("' + QUESTION + '")',
    run: function () {
        if (document.querySelector('.o_form_button_edit')) {
            console.error('A received message offers an Edit button');
        }
    },
}, {
    content: "Clicking the text does not open it for editing",
    trigger: '.o_form_view .o_field_widget[name="message"]',
}, {
    content: "Still read-only",
    trigger: '.o_form_view.o_form_readonly',
    run: function () {
        if (document.querySelector('.o_form_view.o_form_editable') ||
                document.querySelector('.o_form_view textarea[name="message"]')) {
            console.error('The received message became editable');
        }
    },
}]));
});

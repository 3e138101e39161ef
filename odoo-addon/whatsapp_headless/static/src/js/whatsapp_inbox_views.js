odoo.define('whatsapp_headless.InboxViews', function (require) {
"use strict";

/**
 * The inbox kanban and list reload themselves when a conversation changes
 * (a message arrives, a tick changes), so "who is waiting" is current without
 * pressing F5. Used through js_class="whatsapp_inbox_kanban" / "whatsapp_inbox_list".
 */
var KanbanController = require('web.KanbanController');
var KanbanView = require('web.KanbanView');
var ListController = require('web.ListController');
var ListView = require('web.ListView');
var viewRegistry = require('web.view_registry');

var INBOX_CHANNEL = 'whatsapp_headless.inbox';
// A batch of 200 messages is one reload, not 200.
var RELOAD_DELAY_MS = 1000;

var LiveReloadMixin = {
    _startLiveReload: function () {
        this.call('bus_service', 'onNotification', this, this._onWhatsappNotification);
        this.call('bus_service', 'startPolling');
    },
    _stopLiveReload: function () {
        clearTimeout(this._whatsappReloadTimer);
    },
    _onWhatsappNotification: function (notifications) {
        var concerned = _.some(notifications, function (notification) {
            return _.isArray(notification[0]) && notification[0][1] === INBOX_CHANNEL;
        });
        if (!concerned) {
            return;
        }
        var self = this;
        clearTimeout(this._whatsappReloadTimer);
        this._whatsappReloadTimer = setTimeout(function () {
            // Not while the user edits a row of the list: the reload would
            // discard the edit.
            var editing = self.renderer && self.renderer.getEditableRecordID &&
                self.renderer.getEditableRecordID();
            if (!self.isDestroyed() && !editing) {
                self.reload();
            }
        }, RELOAD_DELAY_MS);
    },
};

var InboxKanbanController = KanbanController.extend(LiveReloadMixin, {
    start: function () {
        this._startLiveReload();
        return this._super.apply(this, arguments);
    },
    destroy: function () {
        this._stopLiveReload();
        this._super.apply(this, arguments);
    },
});

var InboxListController = ListController.extend(LiveReloadMixin, {
    start: function () {
        this._startLiveReload();
        return this._super.apply(this, arguments);
    },
    destroy: function () {
        this._stopLiveReload();
        this._super.apply(this, arguments);
    },
});

var InboxKanbanView = KanbanView.extend({
    config: _.extend({}, KanbanView.prototype.config, {Controller: InboxKanbanController}),
});
var InboxListView = ListView.extend({
    config: _.extend({}, ListView.prototype.config, {Controller: InboxListController}),
});

viewRegistry.add('whatsapp_inbox_kanban', InboxKanbanView);
viewRegistry.add('whatsapp_inbox_list', InboxListView);

return {
    InboxKanbanView: InboxKanbanView,
    InboxListView: InboxListView,
};
});

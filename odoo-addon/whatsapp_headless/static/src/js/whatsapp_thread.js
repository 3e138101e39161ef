odoo.define('whatsapp_headless.ThreadField', function (require) {
"use strict";

/**
 * The conversation's messages as a chat: oldest at the top, incoming left,
 * outgoing right with delivery ticks, media inline, and a reply box below.
 * Used on the conversation form as <field name="id" widget="whatsapp_thread"/> (not on
 * message_ids: see views/whatsapp_inbox_live_views.xml):
 * the widget reads the thread itself (get_thread), so the form never loads
 * thousands of messages as records.
 */
var AbstractField = require('web.AbstractField');
var core = require('web.core');
var fieldRegistry = require('web.field_registry');
var session = require('web.session');
var time = require('web.time');

var QWeb = core.qweb;
var _t = core._t;

var INBOX_CHANNEL = 'whatsapp_headless.inbox';
var PAGE_SIZE = 80;
// A refresh per notification burst: the gateway writes up to 200 messages at once.
var REFRESH_DELAY_MS = 250;

var TICKS = {
    queued: {symbol: '\u25CB', title: _t("Queued: waiting for the gateway to send it")},
    sent: {symbol: '\u2713', title: _t("Sent to WhatsApp, not yet on the customer's phone")},
    delivered: {symbol: '\u2713\u2713', title: _t("Delivered to the customer's phone")},
    read: {symbol: '\u2713\u2713', title: _t("Read by the customer"), css: 'o_whatsapp_tick_read'},
    failed: {symbol: '\u26A0', title: _t("Not sent"), css: 'o_whatsapp_tick_failed'},
};

function mapsUrl(message) {
    var loc = message.location;
    if (loc && typeof loc === 'object') {
        if (loc.url) {
            return loc.url;
        }
        if (loc.latitude !== undefined && loc.longitude !== undefined) {
            return 'https://www.google.com/maps/search/?api=1&query=' +
                encodeURIComponent(loc.latitude + ',' + loc.longitude);
        }
        loc = loc.name || loc.address;
    }
    if (typeof loc === 'string' && loc) {
        if (/^https?:\/\//.test(loc)) {
            return loc;
        }
        return 'https://www.google.com/maps/search/?api=1&query=' + encodeURIComponent(loc);
    }
    if (message.message_type === 'location' && message.message) {
        return 'https://www.google.com/maps/search/?api=1&query=' + encodeURIComponent(message.message);
    }
    return false;
}

/**
 * What the template needs of one message, decided here so that the template
 * stays free of logic.
 */
function viewModel(message) {
    var moment = window.moment;
    var when = time.str_to_datetime(message.timestamp);
    var mimetype = message.attachment_mimetype || message.mimetype || message.media_mimetype || '';
    var type = message.message_type || 'text';
    var media = false;
    if (message.attachment_id) {
        var kind = 'document';
        if (type === 'image' || type === 'sticker' || /^image\//.test(mimetype)) {
            kind = 'image';
        } else if (type === 'audio' || /^audio\//.test(mimetype)) {
            kind = 'audio';
        } else if (type === 'video' || /^video\//.test(mimetype)) {
            kind = 'video';
        }
        media = {
            kind: kind,
            name: message.attachment_name || message.media_filename || _t("Attachment"),
            imageUrl: '/web/image/' + message.attachment_id,
            contentUrl: '/web/content/' + message.attachment_id,
            downloadUrl: '/web/content/' + message.attachment_id + '?download=true',
        };
    } else if (message.media_url && type !== 'text' && type !== 'location') {
        // Not downloaded (yet): the provider's link, which may have expired.
        media = {kind: 'link', name: message.media_filename || _t("Media (provider link)"), url: message.media_url};
    }
    var tick = message.direction === 'out' ? TICKS[message.state] : false;
    return {
        id: message.id,
        incoming: message.direction === 'in',
        text: message.message || '',
        type: type,
        media: media,
        location: mapsUrl(message),
        time: when ? moment(when).format('HH:mm') : '',
        fullTime: when ? moment(when).format('LLLL') : '',
        day: when ? moment(when).format('YYYY-MM-DD') : '',
        dayLabel: when ? dayLabel(moment(when)) : '',
        tick: tick,
        state: message.state,
        failed: message.state === 'failed',
        error: message.error_message || '',
        retryHint: message.retry_hint || '',
        pending: !!message.pending,
    };
}

function dayLabel(when) {
    var moment = window.moment;
    var today = moment().startOf('day');
    var day = when.clone().startOf('day');
    if (day.isSame(today)) {
        return _t("Today");
    }
    if (day.isSame(today.clone().subtract(1, 'days'))) {
        return _t("Yesterday");
    }
    return when.format(day.year() === today.year() ? 'dddd, D MMMM' : 'D MMMM YYYY');
}

function rpcErrorText(reason) {
    if (reason && reason.event && reason.event.preventDefault) {
        // Shown in the reply box instead of Odoo's error dialog.
        reason.event.preventDefault();
    }
    var message = reason && reason.message;
    if (message && message.data && message.data.message) {
        return message.data.message;
    }
    if (typeof message === 'string' && message) {
        return message;
    }
    return _t("The message could not be sent: the server did not answer. Check your connection and try again.");
}

var ThreadField = AbstractField.extend({
    className: 'o_whatsapp_thread_field',
    events: _.extend({}, AbstractField.prototype.events, {
        'keydown .o_whatsapp_composer_input': '_onComposerKeydown',
        'input .o_whatsapp_composer_input': '_onComposerInput',
        'click .o_whatsapp_send': '_onSendClick',
        'click .o_whatsapp_attach': '_onAttachClick',
        'change .o_whatsapp_file_input': '_onFileChange',
        'click .o_whatsapp_file_remove': '_onFileRemove',
        'click .o_whatsapp_load_older': '_onLoadOlderClick',
    }),

    init: function () {
        this._super.apply(this, arguments);
        this.messages = [];
        this.hasOlder = false;
        this.canReply = false;
        this.file = null;
        this.sending = false;
        this._refreshTimer = null;
    },
    willStart: function () {
        var self = this;
        var ready = [this._super.apply(this, arguments)];
        ready.push(session.user_has_group('whatsapp_headless.group_whatsapp_agent').then(function (isAgent) {
            self.canReply = isAgent;
        }));
        if (this.res_id) {
            ready.push(this._fetchThread().then(function (messages) {
                self.messages = messages;
                self.hasOlder = messages.length >= PAGE_SIZE;
            }));
        }
        return Promise.all(ready);
    },
    start: function () {
        this.$el.html(QWeb.render('whatsapp_headless.Thread', {widget: this}));
        this.$list = this.$('.o_whatsapp_messages');
        // Follow the newest message unless the agent scrolled up to read.
        this._stickToBottom = true;
        this.$list.on('scroll', this._onListScroll.bind(this));
        this.$input = this.$('.o_whatsapp_composer_input');
        this.call('bus_service', 'onNotification', this, this._onNotification);
        this.call('bus_service', 'startPolling');
        if (this.res_id && this.canReply) {
            this._markRead();
        }
        var self = this;
        return this._super.apply(this, arguments).then(function () {
            self._scrollToBottom();
        });
    },
    /**
     * Called by the form once the widget is in the page: only then can it
     * scroll to the newest message.
     */
    on_attach_callback: function () {
        // Odoo 13 Community keeps form sheets at least 650 px wide, which puts
        // half of the chat off a phone's screen: this sheet may shrink.
        this.$el.closest('.o_form_sheet').addClass('o_whatsapp_thread_sheet');
        this._stickToBottom = true;
        this._scrollToBottom();
    },
    destroy: function () {
        clearTimeout(this._refreshTimer);
        this._super.apply(this, arguments);
    },
    /**
     * Always shown, even when the thread is empty: the reply box is there.
     */
    isSet: function () {
        return true;
    },

    //--------------------------------------------------------------------------
    // Rendering
    //--------------------------------------------------------------------------

    _render: function () {
        if (!this.$list) {
            return;
        }
        var days = [];
        var current = null;
        _.each(this.messages, function (message) {
            var vm = viewModel(message);
            if (!current || current.day !== vm.day) {
                current = {day: vm.day, label: vm.dayLabel, messages: []};
                days.push(current);
            }
            current.messages.push(vm);
        });
        this.$list.html(QWeb.render('whatsapp_headless.ThreadMessages', {
            days: days,
            hasOlder: this.hasOlder,
            empty: !this.messages.length,
        }));
        // Images change the height once loaded: stay at the newest message.
        var self = this;
        this.$list.find('img').one('load', function () {
            if (self._stickToBottom) {
                self._scrollToBottom();
            }
        });
        this._renderComposer();
    },
    _renderComposer: function () {
        var text = this.$input ? this.$input.val() : '';
        this.$('.o_whatsapp_send').prop('disabled', this.sending || (!text.trim() && !this.file));
        this.$('.o_whatsapp_composer').toggleClass('o_whatsapp_sending', this.sending);
        var $file = this.$('.o_whatsapp_file');
        if (this.file) {
            $file.removeClass('d-none').find('.o_whatsapp_file_name').text(this.file.name);
        } else {
            $file.addClass('d-none');
        }
    },
    _showError: function (text) {
        this.$('.o_whatsapp_composer_error').text(text || '').toggleClass('d-none', !text);
    },
    _isAtBottom: function () {
        var el = this.$list && this.$list[0];
        return !el || el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    },
    _scrollToBottom: function () {
        var el = this.$list && this.$list[0];
        if (el) {
            el.scrollTop = el.scrollHeight;
        }
    },

    //--------------------------------------------------------------------------
    // Data
    //--------------------------------------------------------------------------

    _fetchThread: function (beforeId) {
        var kwargs = {limit: PAGE_SIZE};
        if (beforeId) {
            kwargs.before_id = beforeId;
        }
        return this._rpc({
            model: 'whatsapp.conversation',
            method: 'get_thread',
            args: [[this.res_id]],
            kwargs: kwargs,
        });
    },
    /**
     * Merge the newest page into what is shown: new messages are appended and
     * known ones take their new state (ticks, error) without a reload.
     */
    _merge: function (latest) {
        var byId = {};
        _.each(latest, function (message) {
            byId[message.id] = message;
        });
        var merged = _.map(_.reject(this.messages, function (m) { return m.pending && byId[m.id]; }), function (m) {
            return byId[m.id] || m;
        });
        var known = _.indexBy(merged, 'id');
        _.each(latest, function (message) {
            if (!known[message.id]) {
                merged.push(message);
            }
        });
        merged.sort(function (a, b) {
            return a.timestamp === b.timestamp ? a.id - b.id : (a.timestamp < b.timestamp ? -1 : 1);
        });
        var newIncoming = _.some(latest, function (message) {
            return message.direction === 'in' && !_.findWhere(this.messages, {id: message.id});
        }, this);
        this.messages = merged;
        return newIncoming;
    },
    _refreshLatest: function () {
        var self = this;
        if (!this.res_id) {
            return Promise.resolve();
        }
        return this._fetchThread().then(function (latest) {
            if (self.isDestroyed()) {
                return;
            }
            var stick = self._isAtBottom();
            var newIncoming = self._merge(latest);
            self._render();
            if (stick) {
                self._scrollToBottom();
            }
            if (newIncoming && self.canReply && !document.hidden) {
                self._markRead();
            }
        });
    },
    _markRead: function () {
        return this._rpc({
            model: 'whatsapp.conversation',
            method: 'action_mark_read',
            args: [[this.res_id]],
        }, {shadow: true}).guardedCatch(function (reason) {
            // Not worth an error dialog: the unread count just stays.
            if (reason && reason.event) {
                reason.event.preventDefault();
            }
        });
    },
    _readFile: function (file) {
        return new Promise(function (resolve, reject) {
            var reader = new FileReader();
            reader.onload = function () {
                // data:<mimetype>;base64,<data>
                resolve(reader.result.split(',')[1] || '');
            };
            reader.onerror = function () {
                reject({message: _t("The file could not be read.")});
            };
            reader.readAsDataURL(file);
        });
    },
    /**
     * The file becomes an attachment of nobody yet (only its uploader and
     * employees may read it); action_reply then links it to the new message.
     */
    _uploadFile: function (file) {
        var self = this;
        return this._readFile(file).then(function (datas) {
            return self._rpc({
                model: 'ir.attachment',
                method: 'create',
                args: [{name: file.name, datas: datas, mimetype: file.type || false}],
            });
        });
    },
    _send: function () {
        var self = this;
        var body = this.$input.val();
        var file = this.file;
        if (this.sending || !this.res_id || (!body.trim() && !file)) {
            return Promise.resolve();
        }
        this.sending = true;
        this._showError('');
        this._renderComposer();
        var upload = file ? this._uploadFile(file) : Promise.resolve(false);
        return upload.then(function (attachmentId) {
            return self._rpc({
                model: 'whatsapp.conversation',
                method: 'action_reply',
                args: [[self.res_id], body],
                kwargs: {attachment_ids: attachmentId ? [attachmentId] : []},
            }).then(function (messageId) {
                // Shown at once as queued; the refresh brings the stored record.
                self.messages.push({
                    id: messageId,
                    direction: 'out',
                    message: body,
                    message_type: file ? ((file.type || '').split('/')[0] || 'document') : 'text',
                    state: 'queued',
                    timestamp: time.datetime_to_str(new Date()),
                    attachment_id: attachmentId || false,
                    attachment_mimetype: file ? file.type : false,
                    attachment_name: file ? file.name : false,
                    pending: true,
                });
                self.$input.val('');
                self.file = null;
                self.$('.o_whatsapp_file_input').val('');
                self.sending = false;
                self._render();
                self._scrollToBottom();
                self.$input.focus();
                return self._refreshLatest();
            });
        }).guardedCatch(function (reason) {
            self.sending = false;
            self._showError(rpcErrorText(reason));
            self._renderComposer();
        });
    },

    //--------------------------------------------------------------------------
    // Handlers
    //--------------------------------------------------------------------------

    _onListScroll: function () {
        this._stickToBottom = this._isAtBottom();
    },
    _onComposerKeydown: function (ev) {
        if (ev.key === 'Tab' || ev.key === 'Escape') {
            return;  // the form moves the focus / discards as usual
        }
        // Arrows and Enter belong to the text being typed: the field's own
        // keyboard navigation would swallow Shift+Enter's new line.
        ev.stopPropagation();
        // Enter sends, Shift+Enter is a new line; not while an input method
        // (e.g. a phone keyboard's suggestion) is still composing.
        var composing = (ev.originalEvent && ev.originalEvent.isComposing) || ev.keyCode === 229;
        if (ev.key === 'Enter' && !ev.shiftKey && !composing) {
            ev.preventDefault();
            this._send();
        }
    },
    _onComposerInput: function () {
        this._showError('');
        this._renderComposer();
    },
    _onSendClick: function (ev) {
        ev.preventDefault();
        this._send();
    },
    _onAttachClick: function (ev) {
        ev.preventDefault();
        this.$('.o_whatsapp_file_input').click();
    },
    _onFileChange: function (ev) {
        this.file = ev.target.files && ev.target.files[0] || null;
        this._showError('');
        this._renderComposer();
        this.$input.focus();
    },
    _onFileRemove: function (ev) {
        ev.preventDefault();
        this.file = null;
        this.$('.o_whatsapp_file_input').val('');
        this._renderComposer();
    },
    _onLoadOlderClick: function (ev) {
        ev.preventDefault();
        var self = this;
        var oldest = this.messages[0];
        if (!oldest) {
            return;
        }
        var el = this.$list[0];
        var fromBottom = el.scrollHeight - el.scrollTop;
        this._fetchThread(oldest.id).then(function (older) {
            self.hasOlder = older.length >= PAGE_SIZE;
            self.messages = older.concat(self.messages);
            self._render();
            el.scrollTop = el.scrollHeight - fromBottom;
        });
    },
    /**
     * A message of this conversation was created or changed state.
     */
    _onNotification: function (notifications) {
        var self = this;
        var concerned = _.some(notifications, function (notification) {
            var channel = notification[0];
            var payload = notification[1] || {};
            return _.isArray(channel) && channel[1] === INBOX_CHANNEL &&
                payload.conversation_id === self.res_id;
        });
        if (concerned) {
            clearTimeout(this._refreshTimer);
            this._refreshTimer = setTimeout(this._refreshLatest.bind(this), REFRESH_DELAY_MS);
        }
    },
});

fieldRegistry.add('whatsapp_thread', ThreadField);

return {
    ThreadField: ThreadField,
    INBOX_CHANNEL: INBOX_CHANNEL,
    viewModel: viewModel,
};
});

/*
 * The Talon RS-485 protocol codec. See codec.h; PROTOCOL.md is the specification.
 */
#include "codec.h"

#include <string.h>

/* --- the message table ---------------------------------------------------------------------
 *
 * One entry per message, sorted by id: id, flags, field count, then per field its type and
 * its range lo..hi as two big-endian 16-bit numbers (for text: the length range). The same
 * table as MESSAGES in protocol.py; the checksum of its canonical text proves it.
 */
#define DIR_HOST_TO_BOARD 0x01u
#define DIR_BOARD_TO_HOST 0x02u
#define DIR_ANY 0x03u
#define SEQUENCED 0x04u

#define FIELD_U8 1u
#define FIELD_U16 2u
#define FIELD_TEXT 3u

#define MSG(id, flags, fields) (id), (flags), (fields)
#define FIELD(type, lo, hi) \
    (type), (uint8_t)((lo) >> 8), (uint8_t)((lo)&0xFF), (uint8_t)((hi) >> 8), (uint8_t)((hi)&0xFF)
#define U8(lo, hi) FIELD(FIELD_U8, lo, hi)
#define U16(lo, hi) FIELD(FIELD_U16, lo, hi)
#define TEXT(lo, hi) FIELD(FIELD_TEXT, lo, hi)
#define ENTRY_HEAD 3u
#define FIELD_SIZE 5u

static const uint8_t CODEC_ROM TABLE[] = {
    MSG(CODEC_ACK, DIR_ANY, 1), U8(0, 255),
    MSG(CODEC_NAK, DIR_ANY, 2), U8(0, 255), U8(1, 5),
    MSG(CODEC_HEARTBEAT, DIR_ANY, 0),
    MSG(CODEC_IDENTIFY, DIR_HOST_TO_BOARD, 5),
        U8(0, 255), U16(0, 65535), U16(0, 65535), U16(0, 65535), U8(0, 255),
    MSG(CODEC_IDENTIFY_REPLY, DIR_BOARD_TO_HOST, 9),
        U8(0, 255), U8(1, 4), U8(0, 255), U8(0, 255), U8(0, 255),
        U16(0, 65535), U16(0, 65535), U16(0, 65535), U8(0, 255),
    MSG(CODEC_SHOW_LABEL, DIR_HOST_TO_BOARD | SEQUENCED, 2), U8(1, 255), TEXT(1, 16),
    MSG(CODEC_BLINK, DIR_HOST_TO_BOARD | SEQUENCED, 1), U8(1, 60),
    MSG(CODEC_CLEAR, DIR_HOST_TO_BOARD | SEQUENCED, 0),
    MSG(CODEC_SHOW_CLOSED, DIR_HOST_TO_BOARD | SEQUENCED, 1), U8(0, 4),
    MSG(CODEC_BRIGHTNESS, DIR_HOST_TO_BOARD | SEQUENCED, 1), U8(0, 15),
    MSG(CODEC_KEY, DIR_BOARD_TO_HOST | SEQUENCED, 1), U8(1, 6),
    MSG(CODEC_STAFF_CALL, DIR_BOARD_TO_HOST | SEQUENCED, 0),
    MSG(CODEC_RATING, DIR_BOARD_TO_HOST | SEQUENCED, 1), U8(1, 5),
    MSG(CODEC_FAULT, DIR_BOARD_TO_HOST | SEQUENCED, 2), U8(1, 255), TEXT(0, 48),
    0x00 /* end: no message has id 0 */
};

static uint8_t rom(size_t offset) { return CODEC_ROM_BYTE(&TABLE[offset]); }

static uint16_t rom16(size_t offset) { return (uint16_t)((rom(offset) << 8) | rom(offset + 1)); }

static size_t entry_size(size_t entry) { return ENTRY_HEAD + rom(entry + 2) * FIELD_SIZE; }

/* Offset of the entry for id in TABLE, or -1. */
static long find_entry(uint8_t id) {
    size_t entry = 0;
    if (id == 0) return -1;
    while (rom(entry) != 0) {
        if (rom(entry) == id) return (long)entry;
        entry += entry_size(entry);
    }
    return -1;
}

int codec_message_sequenced(uint8_t id) {
    long entry = find_entry(id);
    if (entry < 0) return -1;
    return (rom((size_t)entry + 1) & SEQUENCED) ? 1 : 0;
}

/* --- CRC and the table checksum ------------------------------------------------------------ */

static uint16_t crc_byte(uint16_t crc, uint8_t byte) {
    int bit;
    crc ^= (uint16_t)byte << 8;
    for (bit = 0; bit < 8; bit++) {
        /* bit by bit: no 512-byte table in a 2 KB RAM */
        crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
    }
    return crc;
}

uint16_t codec_crc16(uint16_t crc, const uint8_t *data, size_t length) {
    size_t i;
    for (i = 0; i < length; i++) crc = crc_byte(crc, data[i]);
    return crc;
}

static uint16_t crc_text(uint16_t crc, const char *text) {
    while (*text) crc = crc_byte(crc, (uint8_t)*text++);
    return crc;
}

static uint16_t crc_decimal(uint16_t crc, uint16_t value) {
    char digits[6];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (count) crc = crc_byte(crc, (uint8_t)digits[--count]);
    return crc;
}

/* The canonical text is built on the fly, character by character, into the running CRC:
 * "10 h>b seq u8[1..255] cp866[1..16]\n" and so on, one line per message by id. */
uint16_t codec_table_checksum(void) {
    static const char HEX[] = "0123456789ABCDEF";
    uint16_t crc = CODEC_CRC_INIT;
    size_t entry = 0;
    while (rom(entry) != 0) {
        uint8_t id = rom(entry), flags = rom(entry + 1), fields = rom(entry + 2), i;
        uint8_t direction = flags & DIR_ANY;
        crc = crc_byte(crc, (uint8_t)HEX[id >> 4]);
        crc = crc_byte(crc, (uint8_t)HEX[id & 0x0F]);
        crc = crc_text(crc, direction == DIR_ANY ? " any"
                            : direction == DIR_HOST_TO_BOARD ? " h>b" : " b>h");
        crc = crc_text(crc, (flags & SEQUENCED) ? " seq" : " unseq");
        for (i = 0; i < fields; i++) {
            size_t field = entry + ENTRY_HEAD + (size_t)i * FIELD_SIZE;
            uint8_t type = rom(field);
            crc = crc_text(crc, type == FIELD_U8 ? " u8[" : type == FIELD_U16 ? " u16[" : " cp866[");
            crc = crc_decimal(crc, rom16(field + 1));
            crc = crc_text(crc, "..");
            crc = crc_decimal(crc, rom16(field + 3));
            crc = crc_byte(crc, ']');
        }
        crc = crc_byte(crc, '\n');
        entry += entry_size(entry);
    }
    return crc;
}

/* --- frames -------------------------------------------------------------------------------- */

static int is_board(uint8_t address) {
    return address >= CODEC_FIRST_BOARD && address <= CODEC_LAST_BOARD;
}

int codec_route_ok(uint8_t dst, uint8_t src) {
    if (src == CODEC_HOST) return is_board(dst) || dst == CODEC_BROADCAST;
    return dst == CODEC_HOST && is_board(src);
}

size_t codec_encode_frame(const codec_frame *frame, uint8_t *out, size_t capacity) {
    size_t total = CODEC_HEADER_SIZE + (size_t)frame->length + CODEC_CRC_SIZE;
    uint16_t crc;
    if (frame->length > CODEC_MAX_PAYLOAD || !codec_route_ok(frame->dst, frame->src)) return 0;
    if (capacity < total) return 0;
    out[0] = CODEC_SYNC;
    out[1] = frame->length;
    out[2] = frame->dst;
    out[3] = frame->src;
    out[4] = frame->seq;
    out[5] = frame->id;
    memcpy(out + CODEC_HEADER_SIZE, frame->payload, frame->length);
    crc = codec_crc16(CODEC_CRC_INIT, out + 1, CODEC_HEADER_SIZE - 1 + (size_t)frame->length);
    out[total - 2] = (uint8_t)(crc >> 8);
    out[total - 1] = (uint8_t)(crc & 0xFF);
    return total;
}

/* --- the stream decoder -------------------------------------------------------------------- */

void codec_decoder_init(codec_decoder *decoder) { memset(decoder, 0, sizeof *decoder); }

size_t codec_decoder_push(codec_decoder *decoder, const uint8_t *data, size_t length) {
    size_t room = CODEC_MAX_FRAME - decoder->length;
    size_t taken = length < room ? length : room;
    memcpy(decoder->buffer + decoder->length, data, taken);
    decoder->length = (uint8_t)(decoder->length + taken);
    return taken;
}

void codec_decoder_idle(codec_decoder *decoder) { decoder->idle_until = decoder->length; }

static void drop(codec_decoder *decoder, uint8_t count) {
    memmove(decoder->buffer, decoder->buffer + count, (size_t)(decoder->length - count));
    decoder->length = (uint8_t)(decoder->length - count);
    decoder->idle_until = decoder->idle_until > count ? (uint8_t)(decoder->idle_until - count) : 0;
}

int codec_decoder_pop(codec_decoder *decoder, codec_frame *frame) {
    uint8_t *b = decoder->buffer;
    for (;;) {
        uint8_t length, total;
        uint16_t crc;
        if (decoder->length == 0) return 0;
        if (b[0] != CODEC_SYNC) {
            uint8_t skip = 1;
            while (skip < decoder->length && b[skip] != CODEC_SYNC) skip++;
            decoder->skipped_bytes += skip;
            drop(decoder, skip);
            continue;
        }
        if (decoder->length < 4) { /* SYNC LEN DST SRC: enough to judge the header */
            if (!decoder->idle_until) return 0;
            decoder->abandoned++;
            drop(decoder, 1);
            continue;
        }
        length = b[1];
        if (length > CODEC_MAX_PAYLOAD || !codec_route_ok(b[2], b[3])) {
            decoder->bad_headers++;
            drop(decoder, 1);
            continue;
        }
        total = (uint8_t)(CODEC_HEADER_SIZE + length + CODEC_CRC_SIZE);
        if (decoder->length < total) {
            if (!decoder->idle_until) return 0;
            decoder->abandoned++;
            drop(decoder, 1);
            continue;
        }
        crc = codec_crc16(CODEC_CRC_INIT, b + 1, (size_t)(CODEC_HEADER_SIZE - 1 + length));
        if (crc != (uint16_t)((b[total - 2] << 8) | b[total - 1])) {
            decoder->bad_crcs++;
            drop(decoder, 1);
            continue;
        }
        frame->length = length;
        frame->dst = b[2];
        frame->src = b[3];
        frame->seq = b[4];
        frame->id = b[5];
        memcpy(frame->payload, b + CODEC_HEADER_SIZE, length);
        decoder->frames++;
        drop(decoder, total);
        return 1;
    }
}

/* --- messages ------------------------------------------------------------------------------ */

static int printable(const uint8_t *text, uint8_t length) {
    uint8_t i;
    for (i = 0; i < length; i++) {
        if (text[i] < 0x20 || text[i] == 0x7F) return 0;
    }
    return 1;
}

/* The routing rules of a message: direction, no broadcast in version 1, seq 0 if unsequenced. */
static int route_allowed(size_t entry, uint8_t dst, uint8_t src, uint8_t seq) {
    uint8_t flags = rom(entry + 1), direction = flags & DIR_ANY;
    if (!codec_route_ok(dst, src) || dst == CODEC_BROADCAST) return 0;
    if (direction == DIR_HOST_TO_BOARD && src != CODEC_HOST) return 0;
    if (direction == DIR_BOARD_TO_HOST && dst != CODEC_HOST) return 0;
    if (!(flags & SEQUENCED) && seq != 0) return 0;
    return 1;
}

int codec_encode_message(const codec_message *message, uint8_t dst, uint8_t src, uint8_t seq,
                         codec_frame *frame) {
    long found = find_entry(message->id);
    size_t entry;
    uint8_t fields, i, numeric = 0, length = 0;
    if (found < 0) return CODEC_E_UNKNOWN;
    entry = (size_t)found;
    if (!route_allowed(entry, dst, src, seq)) return CODEC_E_INVALID;
    fields = rom(entry + 2);
    for (i = 0; i < fields; i++) {
        size_t field = entry + ENTRY_HEAD + (size_t)i * FIELD_SIZE;
        uint8_t type = rom(field);
        uint16_t lo = rom16(field + 1), hi = rom16(field + 3);
        if (type == FIELD_TEXT) {
            uint8_t n = message->text_length;
            if (n < lo || n > hi || !printable(message->text, n)) return CODEC_E_INVALID;
            if (length + n > CODEC_MAX_PAYLOAD) return CODEC_E_INVALID;
            memcpy(frame->payload + length, message->text, n);
            length = (uint8_t)(length + n);
        } else {
            uint16_t value = message->value[numeric++];
            if (value < lo || value > hi) return CODEC_E_INVALID;
            if (type == FIELD_U16) frame->payload[length++] = (uint8_t)(value >> 8);
            frame->payload[length++] = (uint8_t)(value & 0xFF);
        }
    }
    frame->dst = dst;
    frame->src = src;
    frame->seq = seq;
    frame->id = message->id;
    frame->length = length;
    return CODEC_OK;
}

int codec_decode_message(const codec_frame *frame, codec_message *message) {
    long found = find_entry(frame->id);
    size_t entry;
    uint8_t fields, i, numeric = 0, offset = 0;
    memset(message, 0, sizeof *message);
    if (found < 0) return CODEC_E_UNKNOWN;
    entry = (size_t)found;
    if (frame->length > CODEC_MAX_PAYLOAD) return CODEC_E_INVALID;
    fields = rom(entry + 2);
    for (i = 0; i < fields; i++) {
        size_t field = entry + ENTRY_HEAD + (size_t)i * FIELD_SIZE;
        uint8_t type = rom(field);
        uint16_t lo = rom16(field + 1), hi = rom16(field + 3), value;
        if (type == FIELD_TEXT) { /* always last: runs to the end of the payload */
            uint8_t n = (uint8_t)(frame->length - offset);
            if (n < lo || n > hi || !printable(frame->payload + offset, n)) return CODEC_E_INVALID;
            memcpy(message->text, frame->payload + offset, n);
            message->text_length = n;
            offset = frame->length;
            continue;
        }
        if (offset + (type == FIELD_U16 ? 2 : 1) > frame->length) return CODEC_E_INVALID;
        value = frame->payload[offset++];
        if (type == FIELD_U16) value = (uint16_t)((value << 8) | frame->payload[offset++]);
        if (value < lo || value > hi) return CODEC_E_INVALID;
        message->value[numeric++] = value;
    }
    if (offset != frame->length) return CODEC_E_INVALID;
    if (!route_allowed(entry, frame->dst, frame->src, frame->seq)) return CODEC_E_INVALID;
    message->id = frame->id;
    return CODEC_OK;
}

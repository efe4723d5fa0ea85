/*
 * A flat interface to the C board end (codec + session) for the Python interoperability test
 * (tests/firmware_bridge/test_c_codec.py loads it with ctypes): Python's HostLink talks to C
 * boards over the simulated lossy bus. Test-only; boards live in static storage, no malloc.
 */
#include <string.h>

#include "codec.h"
#include "session.h"

#define SHIM_BOARDS 8

static session boards[SHIM_BOARDS];
static codec_decoder decoders[SHIM_BOARDS];

static int valid(int index) { return index >= 0 && index < SHIM_BOARDS; }

int shim_init(int index, int address, int kind, int boot_id) {
    static const uint8_t firmware[3] = {1, 0, 0};
    if (!valid(index)) return -1;
    session_init(&boards[index], (uint8_t)address, (uint8_t)kind, firmware, (uint16_t)boot_id);
    codec_decoder_init(&decoders[index]);
    return 0;
}

/* Feeds bytes (after signalling an idle line first, if idle is set). Reply frames go to out,
 * new host messages to deliver (as the frames that carried them); returns the notes. */
int shim_feed(int index, const uint8_t *data, int length, int idle, uint8_t *out,
              int *out_length, uint8_t *deliver, int *deliver_length) {
    int notes = 0, taken = 0;
    codec_frame in, reply;
    codec_message message;
    *out_length = *deliver_length = 0;
    if (!valid(index)) return -1;
    if (idle) codec_decoder_idle(&decoders[index]);
    for (;;) {
        while (codec_decoder_pop(&decoders[index], &in)) {
            session_result result = session_receive(&boards[index], &in, &reply, &message);
            notes |= result.notes;
            if (result.reply) {
                *out_length += (int)codec_encode_frame(&reply, out + *out_length, CODEC_MAX_FRAME);
            }
            if (result.deliver) {
                *deliver_length +=
                    (int)codec_encode_frame(&in, deliver + *deliver_length, CODEC_MAX_FRAME);
            }
        }
        if (taken >= length) break;
        taken += (int)codec_decoder_push(&decoders[index], data + taken, (size_t)(length - taken));
    }
    return notes;
}

/* Queues the event carried by an encoded frame; returns a session_status (or -1). */
int shim_queue(int index, const uint8_t *frame_bytes, int length) {
    codec_decoder decoder;
    codec_frame frame;
    codec_message event;
    if (!valid(index)) return -1;
    codec_decoder_init(&decoder);
    codec_decoder_push(&decoder, frame_bytes, (size_t)length);
    if (!codec_decoder_pop(&decoder, &frame)) return -1;
    if (codec_decode_message(&frame, &event) != CODEC_OK) return SESSION_INVALID;
    return session_queue_event(&boards[index], &event);
}

int shim_queued(int index) { return valid(index) ? session_queued(&boards[index]) : -1; }

int shim_identified(int index) { return valid(index) ? boards[index].identified : -1; }

int shim_pending(int index) { return valid(index) ? decoders[index].length : -1; }

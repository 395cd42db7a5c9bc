/*
 * wire.c — little-endian frame building and payload reading for the dlmd client protocol
 * (docs/client-protocol.md): 16-byte header, then the payload.
 */
#include <string.h>

#include "internal.h"

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

void frame_begin(struct dlmc_frame *f, uint16_t type)
{
	memset(f->buf, 0, DLMP_HEADER_BYTES);
	put_le16(f->buf, DLMP_MAGIC);
	f->buf[2] = DLMP_MAJOR;
	f->buf[3] = DLMP_MINOR;
	put_le16(f->buf + 4, type);
	f->len = DLMP_HEADER_BYTES;
	f->overflow = 0;
}

static uint8_t *frame_room(struct dlmc_frame *f, size_t n)
{
	if (f->overflow || n > sizeof(f->buf) - f->len) {
		f->overflow = 1;
		return NULL;
	}
	uint8_t *p = f->buf + f->len;
	f->len += n;
	return p;
}

void frame_u8(struct dlmc_frame *f, uint8_t v)
{
	uint8_t *p = frame_room(f, 1);
	if (p)
		*p = v;
}

void frame_u32(struct dlmc_frame *f, uint32_t v)
{
	uint8_t *p = frame_room(f, 4);
	if (p)
		put_le32(p, v);
}

void frame_bytes(struct dlmc_frame *f, const void *src, size_t n)
{
	uint8_t *p = frame_room(f, n);
	if (p && n)
		memcpy(p, src, n);
}

void frame_str(struct dlmc_frame *f, const void *src, size_t n)
{
	uint8_t *p = frame_room(f, 2);
	if (p)
		put_le16(p, (uint16_t)n);
	frame_bytes(f, src, n);
}

/* Writes length and request id; -1 if the payload did not fit. */
int frame_finish(struct dlmc_frame *f, uint32_t request)
{
	if (f->overflow)
		return -1;
	put_le32(f->buf + 8, (uint32_t)f->len);
	put_le32(f->buf + 12, request);
	return 0;
}

const uint8_t *cur_bytes(struct dlmc_cursor *c, size_t n)
{
	if (c->bad || c->left < n) {
		c->bad = 1;
		return NULL;
	}
	const uint8_t *p = c->p;
	c->p += n;
	c->left -= n;
	return p;
}

uint8_t cur_u8(struct dlmc_cursor *c)
{
	const uint8_t *p = cur_bytes(c, 1);
	return p ? p[0] : 0;
}

uint16_t cur_u16(struct dlmc_cursor *c)
{
	const uint8_t *p = cur_bytes(c, 2);
	return p ? get_le16(p) : 0;
}

uint32_t cur_u32(struct dlmc_cursor *c)
{
	const uint8_t *p = cur_bytes(c, 4);
	return p ? get_le32(p) : 0;
}

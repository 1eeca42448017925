// One sendmsg(2) of a run of datagrams laid end to end, cut by the kernel (UDP_SEGMENT as a control
// message, Linux 4.18+), for libs/transport's frame sender. Through node:dgram every send is a
// request object, a completion callback and, for a list of buffers, a copy into libuv's iovecs; the
// DP's profile had that path, and the objects it leaves, as its largest user-space item after the
// kernel (docs/benchmarks.md, session 19). Here a batch the caller framed in place costs one N-API
// call and one system call, and nothing for the collector.
//
// The descriptor is node:dgram's own (libs/transport reads it from the socket's handle): the socket
// keeps its bind, multicast interface, TTL and buffer sizes. The call never blocks (MSG_DONTWAIT):
// a full send buffer comes back as -EAGAIN for the caller to retry later.
#define _GNU_SOURCE
#include "args.h"
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

// The largest UDP payload of one IPv4 send, segmented or not (the UDP length field's limit).
#define MAX_SEND 65507

// udpSendSegments(fd, buf, start, length, segmentSize, address, port): sends buf[start, start +
// length) to address:port (address as a 32-bit number, a.b.c.d = a << 24 | ...). With segmentSize
// > 0 and length > segmentSize it leaves as datagrams of segmentSize bytes, the last one shorter
// when length is not a multiple; otherwise as one datagram. Returns the bytes the kernel took, or
// -errno (a number, not an exception: EAGAIN is expected and the caller decides).
static napi_value udp_send_segments(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!args_of(env, info, 7, argv, "expected (fd, buf, start, length, segmentSize, address, port)")) return NULL;
  uint32_t fd, start, length, segment_size, address, port;
  uint8_t *buf;
  size_t buf_length;
  if (!u32_of(env, argv[0], &fd) || !bytes_of(env, argv[1], &buf, &buf_length) || !u32_of(env, argv[2], &start) || !u32_of(env, argv[3], &length) ||
      !u32_of(env, argv[4], &segment_size) || !u32_of(env, argv[5], &address) || !u32_of(env, argv[6], &port))
    return NULL;
  if ((size_t)start + length > buf_length) {
    throw_error(env, "ERR_OUT_OF_RANGE", "the bytes to send are not all inside the buffer", 1);
    return NULL;
  }
  if (length == 0 || length > MAX_SEND || segment_size > MAX_SEND || port == 0 || port > 65535 || fd > 0x7fffffff) {
    throw_error(env, "ERR_OUT_OF_RANGE", "length 1-65507, segmentSize 0-65507, port 1-65535 and a descriptor are needed", 1);
    return NULL;
  }
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)port);
  to.sin_addr.s_addr = htonl(address);
  struct iovec iov = {.iov_base = buf + start, .iov_len = length};
  union {
    char bytes[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } control;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  // Always given, 0 for one datagram: the control message overrides the socket's own UDP_SEGMENT
  // option for this call, which node:dgram's path may have left set (libs/transport's segmenting
  // sender sets it through koffi), and which would otherwise cut a longer datagram. A kernel
  // without UDP_SEGMENT ignores it.
  memset(&control, 0, sizeof control);
  msg.msg_control = control.bytes;
  msg.msg_controllen = sizeof control.bytes;
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_UDP;
  cmsg->cmsg_type = UDP_SEGMENT;
  cmsg->cmsg_len = CMSG_LEN(sizeof(uint16_t));
  uint16_t size = (uint16_t)(segment_size > 0 && length > segment_size ? segment_size : 0);
  memcpy(CMSG_DATA(cmsg), &size, sizeof size);
  ssize_t sent;
  do {
    sent = sendmsg((int)fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  napi_value result;
  if (napi_create_int32(env, sent < 0 ? -errno : (int32_t)sent, &result) != napi_ok) return NULL;
  return result;
}

int register_udp(napi_env env, napi_value exports) {
  return export_function(env, exports, "udpSendSegments", udp_send_segments);
}
